"""Storage: tortoise models, migrations, repositories, loaders. Every SQL concern lives here."""
