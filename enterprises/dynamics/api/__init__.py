"""Read API of dynamic management (``/api/v1/title-reviews/``, ``/api/v1/reserve-entries/``)."""
