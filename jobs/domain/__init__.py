"""Pure decisions: the model, keys, calendar, schedule parsing, rules and evaluation."""
