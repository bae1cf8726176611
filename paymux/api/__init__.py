"""The i'mport V1 REST face: routes, request parsing, envelope, auth, whitelist."""
