"""Every write of the publication area, by sub-area: media.py, recording.py, posts.py."""
