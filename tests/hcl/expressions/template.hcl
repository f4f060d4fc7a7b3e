a = "${1 + 1} apples"
