"""The domain: people, sessions, petitions, workflow, deadlines, calendar, permissions, the ward's
configuration and the repository protocols. No channel and no storage engine."""
