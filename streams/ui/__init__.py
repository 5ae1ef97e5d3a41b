"""The account managers' web pages (server-rendered HTML, no JavaScript) and the web token guard."""
