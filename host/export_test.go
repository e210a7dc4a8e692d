package host

// SetSavePaceForTest sets how long a paced background save rests per unit
// of work (0: not at all) and returns the function that restores it.
func SetSavePaceForTest(rest int64) (restore func()) {
	old := savePaceRest.Swap(rest)
	return func() { savePaceRest.Store(old) }
}
