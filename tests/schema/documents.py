"""Hypothesis strategies for GraphQL documents over the real schema, for the differential executor test.

hypothesis-graphql draws valid queries (every root field, arguments, nulls, inline fragments on
interfaces and unions); `documents` then rewrites each the ways clients write queries and the fast
executor plans differently: aliases, named fragments and fragments without a type condition, @skip
and @include with literals and variables, arguments passed as variables (given, or left out so the
default applies), repeated fields that merge, and __typename.
"""

from __future__ import annotations

import dataclasses
import itertools
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import graphql
from graphql import (
    ArgumentNode,
    BooleanValueNode,
    DirectiveNode,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    InlineFragmentNode,
    IntValueNode,
    NamedTypeNode,
    NameNode,
    OperationDefinitionNode,
    SelectionSetNode,
    StringValueNode,
    VariableDefinitionNode,
    VariableNode,
    get_named_type,
    parse_type,
    value_from_ast_untyped,
)
from hypothesis import strategies as st
from hypothesis_graphql import queries

from omnichannel.schema.relay import encode_cursor, encode_id

NODE_TYPES = ("Coupon", "CouponTemplate", "Fulfillment", "Member", "Order", "Product", "Promotion", "Staff", "Store",
              "Variant")  # fmt: skip


CATALOGUE_ROOTS = ("products", "stores", "stockAvailability", "node")
CURSOR_KINDS = ("audit", "order", "points", "product", "promotion", "store", "template")


def scalars() -> dict[str, st.SearchStrategy[graphql.ValueNode]]:
    """Values that reach real rows often enough: IDs of existing objects, cursors we issue, small page
    sizes, money, times (and some of each that are refused)."""
    ids = st.one_of(
        st.builds(encode_id, st.sampled_from(NODE_TYPES), st.integers(1, 6)),
        st.sampled_from(["", "bm90IGFuIGlk", "Product:1"]),  # not IDs we issue
    )
    ints = st.one_of(st.integers(-2, 25), st.sampled_from([0, 101, 2**31 - 1, -(2**31)]))
    money = st.decimals(-5, 500, places=2, allow_nan=False, allow_infinity=False)
    times = st.sampled_from(["2026-01-01T00:00:00+00:00", "2030-06-01T08:00:00Z", "yesterday", ""])
    cursors = st.builds(encode_cursor, st.sampled_from(CURSOR_KINDS), st.integers(0, 30))
    strings = st.one_of(cursors, st.sampled_from(["", "a", "Coffee", "SKU", "S01"]), st.text(max_size=4))
    return {
        "String": strings.map(lambda v: StringValueNode(value=v)),
        "ID": ids.map(lambda v: StringValueNode(value=v)),
        "Int": ints.map(lambda v: IntValueNode(value=str(v))),
        "Decimal": money.map(lambda v: StringValueNode(value=str(v))) | st.just(StringValueNode(value="1e400")),
        "DateTime": times.map(lambda v: StringValueNode(value=v)),
    }


@dataclass
class Rewrite:
    """One document's rewriting: what it drew, the variables and fragments it added."""

    schema: GraphQLSchema
    draw: st.DrawFn
    variables: dict[str, Any] = field(default_factory=dict)
    definitions: list[VariableDefinitionNode] = field(default_factory=list)
    fragments: list[FragmentDefinitionNode] = field(default_factory=list)
    switches: list[str] = field(default_factory=list)  # the variables of @skip/@include
    names: itertools.count[int] = field(default_factory=itertools.count)

    def chance(self, p: float) -> bool:
        return self.draw(st.integers(0, 99)) < p * 100

    def variable(self, type_: Any, value: Any, *, omitted_is_default: bool = False) -> VariableNode:
        name = f"v{next(self.names)}"
        self.definitions.append(
            VariableDefinitionNode(variable=VariableNode(name=NameNode(value=name)), type=parse_type(str(type_)))
        )
        if not omitted_is_default:
            self.variables[name] = value
        return VariableNode(name=NameNode(value=name))

    def directive(self) -> DirectiveNode:
        name = self.draw(st.sampled_from(["skip", "include"]))
        value: Any = self.draw(st.booleans())
        node = None
        if self.chance(0.5):
            node = self.variable(graphql.GraphQLNonNull(graphql.GraphQLBoolean), value)
            self.switches.append(node.name.value)
        return DirectiveNode(
            name=NameNode(value=name),
            arguments=(ArgumentNode(name=NameNode(value="if"), value=node or BooleanValueNode(value=value)),),
        )

    def arguments(self, node: FieldNode, definition: Any) -> tuple[ArgumentNode, ...]:
        rewritten = []
        for argument in node.arguments or ():
            arg_def = definition.args.get(argument.name.value) if definition is not None else None
            if arg_def is None or not self.chance(0.35):
                rewritten.append(argument)
                continue
            value = value_from_ast_untyped(argument.value)
            # a nullable variable left out of the request: the argument's default applies
            omitted = not isinstance(arg_def.type, graphql.GraphQLNonNull) and self.chance(0.2)
            variable = self.variable(arg_def.type, value, omitted_is_default=omitted)
            rewritten.append(dataclasses.replace(argument, value=variable))
        return tuple(rewritten)

    def selection_set(self, selection_set: SelectionSetNode, parent: Any) -> SelectionSetNode:
        selections: list[Any] = []
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                selections.append(self.field(selection, parent))
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                target = self.schema.get_type(condition.name.value) if condition is not None else parent
                inner = self.selection_set(selection.selection_set, target)
                directives = (self.directive(),) if self.chance(0.1) else selection.directives
                selections.append(dataclasses.replace(selection, selection_set=inner, directives=directives))
            else:
                selections.append(selection)
        if self.chance(0.15):
            selections.append(FieldNode(name=NameNode(value="__typename")))
        if len(selections) > 1 and self.chance(0.1):
            selections.append(selections[self.draw(st.integers(0, len(selections) - 1))])  # the same field again
        if selections and self.chance(0.2):
            selections = self.fragment(selections, parent)
        return SelectionSetNode(selections=tuple(selections))

    def field(self, node: FieldNode, parent: Any) -> FieldNode:
        definition = parent.fields.get(node.name.value) if hasattr(parent, "fields") else None
        selection_set = node.selection_set
        if selection_set is not None and definition is not None:
            selection_set = self.selection_set(selection_set, get_named_type(definition.type))
        alias = NameNode(value=f"a{next(self.names)}") if self.chance(0.2) else node.alias
        directives = (self.directive(),) if self.chance(0.1) else node.directives
        return dataclasses.replace(
            node,
            alias=alias,
            arguments=self.arguments(node, definition),
            directives=directives,
            selection_set=selection_set,
        )

    def fragment(self, selections: list[Any], parent: Any) -> list[Any]:
        """Some of these selections moved into a named fragment, or an inline fragment without a type."""
        cut = self.draw(st.integers(1, len(selections)))
        moved, kept = selections[:cut], selections[cut:]
        inner = SelectionSetNode(selections=tuple(moved))
        directives = (self.directive(),) if self.chance(0.2) else ()
        if isinstance(parent, GraphQLObjectType | GraphQLInterfaceType | GraphQLUnionType) and self.chance(0.6):
            name = f"F{next(self.names)}"
            self.fragments.append(
                FragmentDefinitionNode(
                    name=NameNode(value=name),
                    type_condition=NamedTypeNode(name=NameNode(value=parent.name)),
                    selection_set=inner,
                )
            )
            return [FragmentSpreadNode(name=NameNode(value=name), directives=directives), *kept]
        return [InlineFragmentNode(type_condition=None, selection_set=inner, directives=directives), *kept]


_BY_ROOT: dict[int, st.SearchStrategy[str]] = {}


def _queries(schema: GraphQLSchema) -> st.SearchStrategy[str]:
    """Queries of one or two root fields, each root as likely as any other (hypothesis-graphql alone
    draws node(id:) in nearly every document and products in few); the catalogue roots twice as likely."""
    found = _BY_ROOT.get(id(schema))
    if found is None:
        assert schema.query_type is not None
        roots = list(schema.query_type.fields)
        weighted = [*roots, *(r for r in roots if r in CATALOGUE_ROOTS)]
        one = st.sampled_from(weighted).map(lambda r: (r,))
        fields = one | st.tuples(st.sampled_from(weighted), st.sampled_from(weighted)).map(tuple)
        scalar_values = scalars()
        found = _BY_ROOT[id(schema)] = fields.flatmap(
            lambda names: queries(schema, fields=sorted(set(names)), custom_scalars=scalar_values, allow_x00=False)
        )
    return found


MAX_DEPTH = 7  # below the schema's depth limit (12), deep enough for products > variants > stock > store


@st.composite
def deep_queries(draw: st.DrawFn, schema: GraphQLSchema, roots: tuple[str, ...] = CATALOGUE_ROOTS) -> str:
    """A query down the catalogue's deep paths, which hypothesis-graphql rarely reaches (it keeps
    documents small): each object field is followed more often than not, down to MAX_DEPTH."""
    values = scalars()
    leaves = draw(st.sampled_from([0.15, 0.25, 0.4]))  # few fields: selections of plain attributes, as pages ask

    def chance(p: float) -> bool:
        return draw(st.integers(0, 99)) < p * 100

    def value(type_: Any) -> graphql.ValueNode:
        if isinstance(type_, graphql.GraphQLNonNull):
            return value(type_.of_type)
        if chance(0.05):
            return graphql.NullValueNode()
        if isinstance(type_, graphql.GraphQLList):
            return graphql.ListValueNode(values=tuple(value(type_.of_type) for _ in range(draw(st.integers(0, 5)))))
        if isinstance(type_, graphql.GraphQLEnumType):
            return graphql.EnumValueNode(value=draw(st.sampled_from(list(type_.values))))
        if isinstance(type_, graphql.GraphQLInputObjectType):
            fields = [(n, f) for n, f in type_.fields.items() if graphql.is_required_input_field(f) or chance(0.4)]
            return graphql.ObjectValueNode(
                fields=tuple(graphql.ObjectFieldNode(name=NameNode(value=n), value=value(f.type)) for n, f in fields)
            )
        name = type_.name
        if name in values:
            return draw(values[name])
        if name == "Boolean":
            return BooleanValueNode(value=draw(st.booleans()))
        if name == "Float":
            return graphql.FloatValueNode(value=repr(draw(st.floats(-200, 200, allow_nan=False))))
        return StringValueNode(value=draw(st.text(max_size=4)))

    def selection_set(type_: Any, depth: int) -> SelectionSetNode:
        if isinstance(type_, GraphQLInterfaceType | GraphQLUnionType):
            possible = list(schema.get_possible_types(type_))
            chosen = [t for t in possible if chance(0.5)] or possible[:1]
            fragments = [
                InlineFragmentNode(type_condition=NamedTypeNode(name=NameNode(value=t.name)),
                                   selection_set=selection_set(t, depth))
                for t in chosen
            ]  # fmt: skip
            return SelectionSetNode(selections=(FieldNode(name=NameNode(value="__typename")), *fragments))
        selections: list[Any] = []
        for name, definition in type_.fields.items():
            target = get_named_type(definition.type)
            leaf = isinstance(target, graphql.GraphQLScalarType | graphql.GraphQLEnumType)
            if not chance(leaves if leaf else 0.65) or (not leaf and depth >= MAX_DEPTH):
                continue
            arguments = tuple(
                ArgumentNode(name=NameNode(value=n), value=value(a.type))
                for n, a in definition.args.items()
                if isinstance(a.type, graphql.GraphQLNonNull) or chance(0.5)
            )
            selections.append(
                FieldNode(
                    name=NameNode(value=name),
                    arguments=arguments,
                    selection_set=None if leaf else selection_set(target, depth + 1),
                )
            )
        if not selections:
            selections.append(FieldNode(name=NameNode(value="__typename")))
        return SelectionSetNode(selections=tuple(selections))

    query_type = schema.query_type
    assert query_type is not None
    root_type = GraphQLObjectType(
        "Query", {r: query_type.fields[r] for r in draw(st.sets(st.sampled_from(roots), min_size=1))}
    )
    operation = OperationDefinitionNode(
        operation=graphql.OperationType.QUERY, selection_set=selection_set(root_type, 0)
    )
    return graphql.print_ast(DocumentNode(definitions=(operation,)))


@st.composite
def documents(draw: st.DrawFn, schema: GraphQLSchema) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """(query text, variables, other variables): a query over the root fields of `schema`, rewritten as
    above; the other variables flip every @skip/@include switch (the same document, other selections)."""
    text = draw(_queries(schema) | deep_queries(schema))
    document = graphql.parse(text)
    operation = document.definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    rewrite = Rewrite(schema, draw)
    selection_set = rewrite.selection_set(operation.selection_set, schema.query_type)
    operation = dataclasses.replace(
        operation,
        name=NameNode(value="Generated") if draw(st.booleans()) else None,
        variable_definitions=tuple(rewrite.definitions),
        selection_set=selection_set,
    )
    printed = graphql.print_ast(DocumentNode(definitions=(operation, *rewrite.fragments)))
    variables = _json(rewrite.variables)
    return printed, variables, {**variables, **{n: not variables[n] for n in rewrite.switches}}


def _json(value: Any) -> Any:
    """Variables as a client sends them (JSON): Decimal literals stay strings, as clients write them."""
    if isinstance(value, dict):
        return {k: _json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    return value
