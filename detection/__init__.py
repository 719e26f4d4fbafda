"""Detection: learned routines, watchdogs and routine-change findings (see the detection issues)."""
