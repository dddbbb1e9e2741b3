"""The Intercom API 2.15 emulator: conversation search with cursor paging."""
