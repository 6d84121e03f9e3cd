## tests/unit/logic
