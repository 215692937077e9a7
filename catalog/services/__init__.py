"""Operations on the registry. Pages, API, CLI, harvests and workers all go through these."""
