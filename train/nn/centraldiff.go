package nn

// CentralDiff is the central finite difference (f(x+h) − f(x−h)) / 2h of f
// in the variable *x, which it restores afterwards: the probe the gradient
// checks of herd's trainers compare each backward pass with.
func CentralDiff(x *float64, h float64, f func() float64) float64 {
	old := *x
	*x = old + h
	lp := f()
	*x = old - h
	lm := f()
	*x = old
	return (lp - lm) / (2 * h)
}
