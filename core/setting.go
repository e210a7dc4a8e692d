package core

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// ParseMemory reads a size as Redis's configuration does (memtoull):
// decimal digits with an optional unit b, k, kb, m, mb, g or gb in any case
// (k is 1000, kb 1024); no sign and no spaces; the empty string is 0, as
// in Redis. Sizes beyond an int64 are refused.
func ParseMemory(v string) (int64, error) {
	if v == "" {
		return 0, nil
	}
	num := strings.ToLower(v)
	mul := uint64(1)
	for _, u := range []struct {
		suffix string
		mul    uint64
	}{{"kb", 1 << 10}, {"mb", 1 << 20}, {"gb", 1 << 30}, {"k", 1000}, {"m", 1000 * 1000}, {"g", 1000 * 1000 * 1000}, {"b", 1}} {
		if strings.HasSuffix(num, u.suffix) {
			num, mul = strings.TrimSuffix(num, u.suffix), u.mul
			break
		}
	}
	n, err := strconv.ParseUint(num, 10, 64)
	if err != nil || n > math.MaxInt64/mul {
		return 0, errors.New("argument must be a memory value")
	}
	return int64(n * mul), nil
}

// IntRange returns a Setting.Validate that accepts integers from min to max
// written as Redis reads them, with CONFIG SET's error texts.
func IntRange(min, max int64) func(string) error {
	return func(v string) error {
		n, ok := ParseInt([]byte(v))
		if !ok {
			return errors.New("argument couldn't be parsed into an integer")
		}
		if n < min || n > max {
			return fmt.Errorf("argument must be between %d and %d inclusive", min, max)
		}
		return nil
	}
}

// MemoryRange returns a Setting.Validate that accepts sizes (ParseMemory)
// of at least min bytes; pair it with NormalizeMemory.
func MemoryRange(min int64) func(string) error {
	return func(v string) error {
		n, err := ParseMemory(v)
		if err != nil {
			return err
		}
		if n < min {
			return fmt.Errorf("argument must be between %d and %d inclusive", min, int64(math.MaxInt64))
		}
		return nil
	}
}

// NormalizeMemory is a Setting.Normalize that shows a valid size in bytes,
// as CONFIG GET shows Redis's memory settings ("1kb" reads back "1024").
func NormalizeMemory(v string) string {
	n, _ := ParseMemory(v)
	return strconv.FormatInt(n, 10)
}
