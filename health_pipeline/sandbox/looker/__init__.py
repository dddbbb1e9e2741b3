"""The Looker API 4.0 emulator: login, inline queries and saved Looks."""
