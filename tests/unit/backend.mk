## tests/unit/backend
