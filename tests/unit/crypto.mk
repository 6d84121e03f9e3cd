## tests/unit/crypto
