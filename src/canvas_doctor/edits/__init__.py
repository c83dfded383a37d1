"""Config-file edits for `canvas-doctor fix`: minimal, proven, atomic."""
