package identity

// The IANA time zone database is embedded so that agency time zones
// validate the same on a minimal container image without
// /usr/share/zoneinfo.
import _ "time/tzdata"
