"""Every input value is hostile until checked here, at the edge, before any resolver runs.

- Text: no NUL characters (PostgreSQL cannot store them; they have no business in a name or a code)
  and at most MAX_STRING_CHARS characters. Lone surrogates never get this far: the JSON decoder of
  the transports refuses them, and GraphQL string literals cannot hold them.
- Lists: at most `list_cap(key)` items, where the key names the argument (`Type.field.argument`) or
  the input field (`InputType.field`) the list is given for. One cap for most lists, larger ones
  named per field (bulk sync takes 10,000 rows).
- Nesting: variables nest at most MAX_VARIABLE_NESTING levels (the schema's inputs need a handful).

Literals in the document are checked by a validation rule (so once per cached document); variables
per request by `check_variables`, which walks each value along its declared type. Both report
BAD_USER_INPUT errors that name the place.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from graphql import (
    ArgumentNode,
    FieldNode,
    GraphQLError,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLSchema,
    ListValueNode,
    ObjectFieldNode,
    OperationDefinitionNode,
    StringValueNode,
    TypeInfo,
    TypeInfoVisitor,
    ValidationRule,
    VariableNode,
    Visitor,
    type_from_ast,
    visit,
)

MAX_STRING_CHARS = 20_000
MAX_VARIABLE_NESTING = 32


def bad_input(message: str, node: Any = None) -> GraphQLError:
    return GraphQLError(message, node, extensions={"code": "BAD_USER_INPUT"})


def text_problem(value: str) -> str | None:
    if "\x00" in value:
        return "contains a NUL character"
    if len(value) > MAX_STRING_CHARS:
        return f"is longer than {MAX_STRING_CHARS} characters"
    return None


ListCap = Callable[[str], int]


def literal_rule(list_cap: ListCap) -> type[ValidationRule]:
    """A validation rule over the document's literals (list lengths, text); built once per process."""

    class InputLiteralRule(ValidationRule):
        def __init__(self, context: Any) -> None:
            super().__init__(context)
            self.field_key = ""
            self.where: list[str] = []

        def enter_field(self, node: FieldNode, *_args: object) -> None:
            parent = self.context.get_parent_type()
            self.field_key = f"{parent.name if parent else '?'}.{node.name.value}"

        def enter_argument(self, node: ArgumentNode, *_args: object) -> None:
            self.where.append(f"{self.field_key}.{node.name.value}")

        def leave_argument(self, *_args: object) -> None:
            self.where.pop()

        def enter_object_field(self, node: ObjectFieldNode, *_args: object) -> None:
            parent = self.context.get_parent_input_type()
            named = getattr(parent, "name", "?")
            self.where.append(f"{named}.{node.name.value}")

        def leave_object_field(self, *_args: object) -> None:
            self.where.pop()

        def enter_list_value(self, node: ListValueNode, *_args: object) -> None:
            key = self.where[-1] if self.where else "?"
            cap = list_cap(key)
            if len(node.values) > cap:
                self.report_error(
                    bad_input(f"{_place(key)} takes at most {cap} items; {len(node.values)} were given.", node)
                )

        def enter_string_value(self, node: StringValueNode, *_args: object) -> None:
            problem = text_problem(node.value)
            if problem is not None:
                self.report_error(bad_input(f"A text value {problem}.", node))

    return InputLiteralRule


def _place(key: str) -> str:
    parts = key.split(".")
    return f"`{parts[-1]}` of {'.'.join(parts[:-1])}" if len(parts) > 1 else f"`{key}`"


def variable_usages(
    operation: OperationDefinitionNode, schema: GraphQLSchema, fragments: Mapping[str, Any]
) -> dict[str, str]:
    """Where each variable of the operation is used first: `Type.field.argument` or `InputType.field`.
    (A list given as a variable is capped like a list literal at that place.)"""
    found: dict[str, str] = {}
    info = TypeInfo(schema)

    class Usages(Visitor):
        def __init__(self) -> None:
            super().__init__()
            self.field_key = ""
            self.where: list[str] = []

        def enter_field(self, node: FieldNode, *_args: object) -> None:
            parent = info.get_parent_type()
            self.field_key = f"{parent.name if parent else '?'}.{node.name.value}"

        def enter_argument(self, node: ArgumentNode, *_args: object) -> None:
            self.where.append(f"{self.field_key}.{node.name.value}")

        def leave_argument(self, *_args: object) -> None:
            self.where.pop()

        def enter_object_field(self, node: ObjectFieldNode, *_args: object) -> None:
            self.where.append(f"{getattr(info.get_parent_input_type(), 'name', '?')}.{node.name.value}")

        def leave_object_field(self, *_args: object) -> None:
            self.where.pop()

        def enter_variable(self, node: VariableNode, *_args: object) -> None:
            if self.where:
                found.setdefault(node.name.value, self.where[-1])

    visitor = TypeInfoVisitor(info, Usages())
    visit(operation, visitor)
    for fragment in fragments.values():  # variables used inside fragments
        visit(fragment, visitor)
    return found


def check_variables(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    usages: Mapping[str, str],
    variables: Mapping[str, Any],
    list_cap: ListCap,
) -> list[GraphQLError]:
    """Text, list lengths and nesting of the request's variables, walked along their declared types."""
    errors: list[GraphQLError] = []
    for definition in operation.variable_definitions or ():
        name = definition.variable.name.value
        if name not in variables:
            continue
        type_ = type_from_ast(schema, definition.type)
        problem = _walk(variables[name], type_, usages.get(name, "?"), list_cap, 0)  # type: ignore[arg-type]
        if problem is not None:
            errors.append(bad_input(f"Variable '${name}' {problem}", definition))
    return errors


def _walk(value: Any, type_: GraphQLInputType | None, key: str, list_cap: ListCap, depth: int) -> str | None:
    if depth > MAX_VARIABLE_NESTING:
        return f"nests deeper than {MAX_VARIABLE_NESTING} levels."
    while isinstance(type_, GraphQLNonNull):
        type_ = type_.of_type
    if isinstance(value, str):
        problem = text_problem(value)
        return f"has a text value that {problem}." if problem else None
    if isinstance(value, list):
        if isinstance(type_, GraphQLList):
            cap = list_cap(key)
            if len(value) > cap:
                return f"gives {len(value)} items to {_place(key)}, which takes at most {cap}."
            type_ = type_.of_type
        for item in value:
            problem = _walk(item, type_, key, list_cap, depth + 1)
            if problem is not None:
                return problem
        return None
    if isinstance(value, dict):
        fields = type_.fields if isinstance(type_, GraphQLInputObjectType) else {}
        owner = type_.name if isinstance(type_, GraphQLInputObjectType) else "?"
        for field_name, item in value.items():
            field = fields.get(field_name)
            problem = _walk(item, field.type if field else None, f"{owner}.{field_name}", list_cap, depth + 1)
            if problem is not None:
                return problem
    return None
