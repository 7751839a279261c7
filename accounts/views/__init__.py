"""Account pages: login and password, second factor, user administration, audit log, reveal."""
