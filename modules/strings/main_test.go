package strings_test

import (
	_ "github.com/redmod/redmod/modules/std"
)
