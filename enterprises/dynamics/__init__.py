"""Dynamic management (动态管理): versioned criteria, the pure pre-check, title reviews and
revocations, the reserve pool and the review calendar. Models keep the ``enterprises`` app label
and tables (re-exported by ``enterprises.models``)."""
