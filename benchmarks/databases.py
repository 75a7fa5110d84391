"""The benchmark databases: created on the server when a run names a new one."""


def database_create(database: dict) -> bool:
    """Create the database a settings dict names; return False if it exists."""
    import psycopg
    from psycopg import sql

    params = {
        "dbname": "postgres",
        "user": database.get("USER"),
        "password": database.get("PASSWORD"),
        "host": database.get("HOST"),
        "port": database.get("PORT"),
    }
    params = {key: value for key, value in params.items() if value}
    with psycopg.connect(**params, autocommit=True) as conn:
        found = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [database["NAME"]]
        ).fetchone()
        if found:
            return False
        conn.execute(
            sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database["NAME"]))
        )
        return True
