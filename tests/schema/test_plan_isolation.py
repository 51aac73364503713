"""Plans (and every other cache that changes an answer) belong to one schema.

strawberry's parser cache is shared by every schema of the process that asks for the same size, so
two schemas get the very same document for the same query text. Plans keyed by the document alone
would let the second schema run the first one's resolvers: a public schema answering with an admin
schema's fields, or the other way round.
"""

from __future__ import annotations

import strawberry
from strawberry.extensions import ParserCache

from omnichannel.schema.execution import FastExecutor


@strawberry.type(name="Shop")
class PublicShop:
    name: str

    @strawberry.field
    def revenue(self) -> str:
        return "hidden"


@strawberry.type(name="Shop")
class AdminShop:
    name: str

    @strawberry.field
    def revenue(self) -> str:
        return "1,000,000.00"


@strawberry.type(name="Query")
class PublicQuery:
    @strawberry.field
    def shop(self) -> PublicShop:
        return PublicShop(name="North")

    @strawberry.field
    def who(self, prefix: str = "public") -> str:
        return prefix


@strawberry.type(name="Query")
class AdminQuery:
    @strawberry.field
    def shop(self) -> AdminShop:
        return AdminShop(name="North (admin)")

    @strawberry.field
    def who(self, prefix: str = "admin") -> str:
        return prefix


def _schema(query: type) -> strawberry.Schema:
    # the same cache size: strawberry hands both schemas one shared LRU, hence one document per text
    return strawberry.Schema(query=query, execution_context_class=FastExecutor, extensions=[lambda: ParserCache(64)])


PUBLIC = _schema(PublicQuery)
ADMIN = _schema(AdminQuery)


async def test_two_schemas_in_one_process_never_run_each_others_resolvers():
    query = "{ shop { name revenue } who }"
    for _ in range(2):  # and in either order, after either has planned the document
        admin = await ADMIN.execute(query)
        public = await PUBLIC.execute(query)
        assert admin.errors is None and public.errors is None
        assert admin.data == {"shop": {"name": "North (admin)", "revenue": "1,000,000.00"}, "who": "admin"}
        assert public.data == {"shop": {"name": "North", "revenue": "hidden"}, "who": "public"}
