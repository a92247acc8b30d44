"""The ledger's REST API for client systems (DESIGN.md §6): the employments and workers feeds and the
streamed export. The reads are `filters` (query filters), `querysets` (scoped live rows and tombstones),
`records` (fields and row dicts, masking), `feeds` (keyset pages), `sql` (the PostgreSQL SQL of the
employments feed) and `export` (NDJSON/CSV streams); `views` holds the endpoints, `schema` their OpenAPI
description, `urls` the routes under /api/v1/.
"""
