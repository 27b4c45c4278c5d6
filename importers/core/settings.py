"""A connection's source-specific settings (`Connection.settings`), each with its default."""


def connection_setting(connection, name: str, defaults: dict):
    """`connection.settings[name]`, else the source's default; a name without a default is a
    programming error (KeyError), not a missing setting."""
    return (connection.settings or {}).get(name, defaults[name])
