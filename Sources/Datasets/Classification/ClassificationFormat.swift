/// The on-disk layouts `ClassificationDataset.load` reads.
public enum ClassificationFormat: String, Sendable, Equatable, Codable {
  /// `root/<class>/<image>`, or `root/{train,val,test}/<class>/<image>` (torchvision ImageFolder).
  case imageFolder = "imagefolder"
  /// A VTAB-1k task folder: `train800.txt`, `val200.txt`, `train800val200.txt`, `test.txt`.
  case vtab1k = "vtab-1k"
  /// A CSV table with columns `filepath,label[,split]`.
  case csv
}
