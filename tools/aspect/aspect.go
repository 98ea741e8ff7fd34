// Package aspect derives a slideshow's aspect ratio from its preview size
// exactly as upstream does.
package aspect

import "strconv"

// named maps reduced width:height pairs to upstream's labels. Note that
// 2560x1080 reduces to 64:27 and is called 21:9, while 2520x1080 is 7:3.
var named = map[[2]int]string{
	{16, 9}: "16:9", {4, 3}: "4:3", {9, 16}: "9:16", {3, 4}: "3:4", {1, 1}: "1:1",
	{64, 27}: "21:9", {37, 20}: "1.85:1", {239, 100}: "2.39:1",
}

// Default is the ratio of a missing or invalid size.
const Default = "16:9"

// Ratio returns the aspect ratio label of a width and height in pixels.
func Ratio(width, height int) string {
	if width <= 0 || height <= 0 {
		return Default
	}
	g := gcd(width, height)
	w, h := width/g, height/g
	if label, ok := named[[2]int{w, h}]; ok {
		return label
	}
	return strconv.Itoa(w) + ":" + strconv.Itoa(h)
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}
