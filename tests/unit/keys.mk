## tests/unit/keys
