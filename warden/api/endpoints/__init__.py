"""One router per area; each endpoint asks the area's own access helpers, selectors and
services, never the models directly."""
