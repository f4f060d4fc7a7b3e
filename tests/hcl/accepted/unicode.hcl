café = "crème brûlée"
données "étiquette" {
  clé = "valeur"
}
