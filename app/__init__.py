"""The Qt desktop app (the only place that imports Qt). Not built yet: see the desktop-app issue."""
