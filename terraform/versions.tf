terraform {
  required_version = ">= 1.10.0, < 2.0.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "= 5.100.0"
    }
  }

  # Partial configuration: CI passes bucket, key and region with -backend-config (docs/deploy.md).
  backend "s3" {}
}

provider "aws" {
  region = var.region

  default_tags {
    tags = {
      service     = "floats"
      component   = "collections-jobs"
      environment = var.site
      managed_by  = "terraform"
    }
  }
}
