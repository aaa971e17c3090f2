package train

import "github.com/herd-llm/herd/train/nn"

// Float is the element type of parameters, activations and gradients:
// float32 for training, float64 for the finite-difference checks of the same
// code.
type Float = nn.Float
