"""What the JSON API (`web.api`) and the HTML pages (`web.pages`) share: the response
models and the reads that build them, so a page shows what the API returns without
importing the API. Reads go through the service (`MomentumApplication`) and the
projections' query functions only."""
