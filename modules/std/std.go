// Package std imports every standard module, for binaries and tests that
// want the full command set:
//
//	import _ "github.com/redmod/redmod/modules/std"
package std

import (
	// The standard modules register themselves when imported.
	_ "github.com/redmod/redmod/modules/acl"
	_ "github.com/redmod/redmod/modules/admin"
	_ "github.com/redmod/redmod/modules/cluster"
	_ "github.com/redmod/redmod/modules/hashes"
	_ "github.com/redmod/redmod/modules/hll"
	_ "github.com/redmod/redmod/modules/keys"
	_ "github.com/redmod/redmod/modules/lists"
	_ "github.com/redmod/redmod/modules/pubsub"
	_ "github.com/redmod/redmod/modules/scripting"
	_ "github.com/redmod/redmod/modules/sets"
	_ "github.com/redmod/redmod/modules/streams"
	_ "github.com/redmod/redmod/modules/strings"
	_ "github.com/redmod/redmod/modules/zsets"
)
