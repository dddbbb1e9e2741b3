"""The Intercom API 2.15 emulator: conversation and contact search with cursor paging, strict to 2.15's field tables."""
