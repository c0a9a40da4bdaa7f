"""The SQL of every write, one module per table family; each write is one guarded statement.

Who may write is decided inside the statement that writes (the rule of
:data:`tribe_service.authorization.RULES` in its ``WHERE``), and the same
statement reports why it wrote nothing (:mod:`.outcome`). A write the feed
shows inserts its feed event in that statement too. The caller owns the
transaction: pass the connection it runs on.
"""
