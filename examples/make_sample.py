"""Write the embedded sample (plugin/sitkvtk/data/phantom.mha) from sitkvtk.sample.make_phantom."""

import SimpleITK as sitk

from sitkvtk.sample import make_phantom, sample_path

if __name__ == "__main__":
    path = sample_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    sitk.WriteImage(make_phantom(), str(path), useCompression=True)
    print(f"wrote {path}")
