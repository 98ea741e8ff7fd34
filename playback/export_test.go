package playback

import "time"

// SetNow sets the clock of the screen cache.
func (p *Player) SetNow(now func() time.Time) { p.screens.SetNow(now) }

// Renders is how many times the player rendered content.
func (p *Player) Renders() uint64 { return p.renders.Load() }
