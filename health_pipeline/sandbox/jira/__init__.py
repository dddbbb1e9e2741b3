"""The Jira Cloud emulator: JQL search with nextPageToken paging."""
