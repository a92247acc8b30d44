"""The ledger's REST API for client systems (DESIGN.md §6): the employments and workers feeds and the
streamed export. `feeds` holds the reads (querysets, keyset pages, export streams), `views` the endpoints,
`schema` their OpenAPI description, `urls` the routes under /api/v1/.
"""
