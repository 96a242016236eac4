"""Attachments: files a record holds (reports, transcripts, photos, recordings) and their text."""
