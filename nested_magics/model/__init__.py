"""The data that flows through nested-magics: host facts, reports, plans, results, trees. No behaviour
beyond the data itself, and no imports of the rest of the package but ``errors`` and ``vocabulary``."""
