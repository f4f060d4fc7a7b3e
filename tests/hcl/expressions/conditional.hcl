a = true ? "yes" : "no"
