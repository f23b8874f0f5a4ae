"""What the on-call engineer asks: facts, diagnosis, status, launch, recover, locks, history."""
