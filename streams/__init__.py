"""Stream processing: settings, app factory, topics, codecs, dead letters, web views."""
