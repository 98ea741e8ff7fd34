package playback

import "time"

// SetNow sets the clock of the screen cache.
func (p *Player) SetNow(now func() time.Time) { p.screens.SetNow(now) }
