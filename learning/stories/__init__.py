"""Families tell their own stories: invitations (``invitations``), the form's send and the
receipt (``telling``). The pages, the API and ``wm2u invite`` build the request objects here
and call one function each; the SQL is ``evidence.stories``'."""
