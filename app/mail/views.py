"""The admins' « Courriels » page, the mail settings, and the participants' opt-out page."""
