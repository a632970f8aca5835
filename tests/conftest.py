pytest_plugins = ["tests.plugins.postgres_fixtures"]
