package upstream

import (
	"time"
	_ "time/tzdata" // Europe/Copenhagen must load on minimal images too
)

// Copenhagen is upstream's TIME_ZONE: "today", "now" and "midnight" of the
// KMD and WinKAS calls are local times there.
var Copenhagen = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Copenhagen")
	if err != nil {
		panic(err)
	}
	return loc
}()
