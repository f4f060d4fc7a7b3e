# hash comment
// slash comment
a = 1 # after a value
b = 2 // after a value
/* a block comment */
c = 3
/* a block comment
   over several lines */
d = /* inside */ 4
block {
  # in a block
  e = 5 /* trailing */
}
