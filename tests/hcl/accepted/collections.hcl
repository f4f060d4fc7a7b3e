tuple        = [1, "two", true, null]
trailing     = [1, 2, 3,]
multiline    = [
  "a",
  "b",
]
empty_tuple  = []
nested       = [[1, 2], [3], []]
object       = { a = 1, b = "two" }
colons       = { "a": 1, "b": 2 }
newlines     = {
  a = 1
  b = 2
}
mixed        = {
  a = 1,
  "quoted key" = [true, false]
  nested = { deeper = { deepest = "x" } }
}
empty_object = {}
